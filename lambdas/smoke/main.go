// Command smoke is the Lambda of the smoke test step; it makes its
// requests with a real HTTP client (smoke.DefaultHTTPClient).
package main

import (
	"geusemaker/internal/contract"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/smoke"
)

func main() { lambdaio.Start(contract.Smoke, lambdaio.Step(smoke.New)) }
