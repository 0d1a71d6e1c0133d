// Package document owns the deployment document: the JSON value that flows
// through every state of a GeuseMaker execution. It defines the request (its
// fields, defaults, tier normalization and validation), the flat resource
// ledger, the per-resource poll results and deadlines, the one poll schedule
// every wait follows (Wait, Pace), stage timings, progress, the failure
// written by a Catch and its shared cause shape, and the standard tags every
// created resource carries.
//
// Every Lambda step, the local engine, the CLI and the tests decode the same
// types, so this package imports only the standard library and nothing else
// of the project.
package document
