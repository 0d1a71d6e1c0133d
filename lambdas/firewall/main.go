// Command firewall is the Lambda of the firewall step: the deployment's
// security groups (see internal/steps/firewall).
package main

import (
	"geusemaker/internal/contract"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/firewall"
)

func main() {
	lambdaio.Start(contract.Firewall, lambdaio.Step(firewall.New))
}
