// Command network is the Lambda of the network step: the VPC and subnets
// the deployment lives in (see internal/steps/network).
package main

import (
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/network"
)

func main() {
	lambdaio.Start("network", lambdaio.Step(network.New))
}
