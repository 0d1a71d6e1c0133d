// Package definition holds the committed ASL of GeuseMaker's workflows,
// generated from the CDK builders of package statemachine (make asl) and
// checked against them by its tests. It is embedded here, apart from the
// CDK code, so the local engine runs exactly what is deployed without
// linking the CDK.
//
// It imports only the standard library.
package definition

import (
	"embed"
	"strings"
)

//go:embed *.asl.json
var files embed.FS

// All returns every definition by workflow name ("deploy", "destroy",
// "watch", "starter"), with ${Name} placeholders for ARNs and the bus.
func All() map[string][]byte {
	entries, err := files.ReadDir(".")
	if err != nil { // the embedded directory always reads
		panic(err)
	}
	out := make(map[string][]byte, len(entries))
	for _, e := range entries {
		b, err := files.ReadFile(e.Name())
		if err != nil {
			panic(err)
		}
		out[strings.TrimSuffix(e.Name(), ".asl.json")] = b
	}
	return out
}
