// Command preflight is the Lambda of the preflight step.
package main

import (
	"geusemaker/internal/contract"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/preflight"
)

func main() { lambdaio.Start(contract.Preflight, lambdaio.Step(preflight.New)) }
