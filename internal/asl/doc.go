// Package asl owns the Amazon States Language definition model: the typed
// state machine, parsed once from JSON and checked statically (unknown
// fields and state types, missing Next/End, transitions to unknown states,
// unreachable states, misplaced States.ALL, ...), with every path, payload
// template and intrinsic function already compiled by package jsonpath.
//
// Only the JSONPath query language is supported; a JSONata definition is
// rejected rather than misread.
//
// It imports only the standard library and its subpackage jsonpath; it must
// not import the engine or anything AWS.
package asl
