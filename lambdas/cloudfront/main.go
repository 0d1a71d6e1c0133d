// Command cloudfront is the Lambda of the CloudFront step (actions create, status,
// disable, delete_status, delete).
package main

import (
	"geusemaker/internal/contract"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/cloudfront"
)

func main() { lambdaio.Start(contract.CloudFront, lambdaio.Step(cloudfront.New)) }
