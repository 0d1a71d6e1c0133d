// Command finalize is the Lambda of the last deployment step (action
// finalize): it writes n8n_url and the final progress.
package main

import (
	"geusemaker/internal/contract"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/finalize"
)

func main() { lambdaio.Start(contract.Finalize, lambdaio.Step(finalize.New)) }
