package preflight

import (
	"errors"

	"github.com/aws/smithy-go"
)

// Remediations of the problems the step reports.
const (
	remedyVPC       = "Check vpc_id and region: the VPC must exist in that region and account. Leave vpc_id out to use the default VPC or let GeuseMaker create one."
	remedySubnets   = "Check subnet_ids: every subnet must exist in the request's region and belong to vpc_id. Leave subnet_ids out to use all the VPC's subnets."
	remedyTwoZones  = "An ALB needs subnets in at least two Availability Zones: give subnet_ids in two different zones, add a subnet in a second zone, or use tier dev without an ALB."
	remedyNoGateway = "An internet-facing ALB needs an internet gateway attached to the VPC (without one it stays provisioning forever): attach one and route 0.0.0.0/0 to it, or leave vpc_id out to let GeuseMaker create a public VPC."
	remedyGroup     = "Check security_group_id: the group must exist in the deployment's VPC (vpc_id, or the default VPC when vpc_id is absent). Leave it out to let GeuseMaker create one."
)

// message is the AWS error's own message (it names the missing id), or
// the error's text.
func message(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorMessage() != "" {
		return ae.ErrorMessage()
	}
	return err.Error()
}
