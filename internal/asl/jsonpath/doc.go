// Package jsonpath evaluates the JSONPath parts of the Amazon States
// Language: paths and reference paths (InputPath, ItemsPath, ResultPath,
// Choice variables, `$$` context-object paths), payload templates (fields
// whose keys end in `.$`) and intrinsic functions (`States.Format(...)`).
//
// JSON values are the ones encoding/json decodes into an `any` with
// UseNumber: map[string]any, []any, string, json.Number, bool and nil. Every
// function here treats its inputs as immutable and builds new containers for
// what it changes, so values may be shared between concurrent branches.
//
// It imports only the standard library.
package jsonpath
