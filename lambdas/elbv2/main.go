// Command elbv2 is the Lambda of the elbv2 step: the ALB,
// its target group, listener and origin rule (see internal/steps/elbv2).
package main

import (
	"geusemaker/internal/contract"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/elbv2"
)

func main() {
	lambdaio.Start(contract.ELBv2, lambdaio.Step(elbv2.New))
}
