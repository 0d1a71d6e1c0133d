// Command compute is the compute step's Lambda: the instance's launch,
// status, GPU check and termination.
package main

import (
	"geusemaker/internal/contract"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/compute"
)

func main() { lambdaio.Start(contract.Compute, lambdaio.Step(compute.New)) }
