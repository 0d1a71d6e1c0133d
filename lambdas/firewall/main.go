// Command firewall is the Lambda of the firewall step: the deployment's
// security groups (see internal/steps/firewall).
package main

import (
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/firewall"
)

func main() {
	lambdaio.Start("firewall", lambdaio.Step(firewall.New))
}
