// Command preflight is the Lambda of the preflight step.
package main

import (
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/preflight"
)

func main() { lambdaio.Start("preflight", lambdaio.Step(preflight.New)) }
