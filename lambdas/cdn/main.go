// Command cdn is the Lambda of the CloudFront step (actions create, status,
// disable, delete_status, delete).
package main

import (
	"geusemaker/internal/contract"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/cdn"
)

func main() { lambdaio.Start(contract.CDN, lambdaio.Step(cdn.New)) }
