// Command validate is the Lambda of the validate step.
package main

import (
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/validate"
)

func main() { lambdaio.Start("validate", lambdaio.Step(validate.New)) }
