// Command compute is the compute step's Lambda: the instance's launch,
// status, GPU check and termination.
package main

import (
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/compute"
)

func main() { lambdaio.Start("compute", lambdaio.Step(compute.New)) }
