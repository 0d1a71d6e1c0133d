// Command network is the Lambda of the network step: the VPC and subnets
// the deployment lives in (see internal/steps/network).
package main

import (
	"geusemaker/internal/contract"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/network"
)

func main() {
	lambdaio.Start(contract.Network, lambdaio.Step(network.New))
}
