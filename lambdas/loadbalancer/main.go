// Command loadbalancer is the Lambda of the loadbalancer step: the ALB,
// its target group, listener and origin rule (see internal/steps/loadbalancer).
package main

import (
	"geusemaker/internal/contract"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/loadbalancer"
)

func main() {
	lambdaio.Start(contract.LoadBalancer, lambdaio.Step(loadbalancer.New))
}
