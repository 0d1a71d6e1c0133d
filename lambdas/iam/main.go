// Command iam is the iam step's Lambda: the instance's IAM role
// and instance profile (see internal/steps/iam).
package main

import (
	"geusemaker/internal/contract"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/iam"
)

func main() { lambdaio.Start(contract.IAM, lambdaio.Step(iam.New)) }
