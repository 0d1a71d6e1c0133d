// Command efs is the efs step's Lambda: the deployment's EFS file
// system and mount targets (see internal/steps/efs).
package main

import (
	"geusemaker/internal/contract"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/efs"
)

func main() { lambdaio.Start(contract.EFS, lambdaio.Step(efs.New)) }
