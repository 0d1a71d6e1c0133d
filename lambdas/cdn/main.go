// Command cdn is the Lambda of the CloudFront step (actions create, status,
// disable, delete_status, delete).
package main

import (
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/cdn"
)

func main() { lambdaio.Start("cdn", lambdaio.Step(cdn.New)) }
