// Command validate is the Lambda of the validate step.
package main

import (
	"geusemaker/internal/contract"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/validate"
)

func main() { lambdaio.Start(contract.Validate, lambdaio.Step(validate.New)) }
