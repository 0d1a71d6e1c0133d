package stack

import awsiam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"

// networkPolicy is what the network Lambda may do.
func networkPolicy(p patterns) []awsiam.PolicyStatement {
	return []awsiam.PolicyStatement{
		reads("ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeInternetGateways",
			"ec2:DescribeRouteTables", "ec2:DescribeAvailabilityZones", "ec2:DescribeNetworkInterfaces",
			"ec2:DescribeInstanceTypeOfferings"),
		statement([]string{"ec2:CreateVpc", "ec2:CreateSubnet", "ec2:CreateInternetGateway", "ec2:CreateRouteTable"},
			p.ec2("vpc", "subnet", "internet-gateway", "route-table"), requestTagged),
		// CreateSubnet and CreateRouteTable also act on the (tagged) VPC.
		statement([]string{"ec2:CreateSubnet", "ec2:CreateRouteTable",
			"ec2:AttachInternetGateway", "ec2:DetachInternetGateway", "ec2:CreateRoute", "ec2:DeleteRoute",
			"ec2:AssociateRouteTable", "ec2:DisassociateRouteTable", "ec2:ModifyVpcAttribute", "ec2:ModifySubnetAttribute",
			"ec2:DeleteVpc", "ec2:DeleteSubnet", "ec2:DeleteInternetGateway", "ec2:DeleteRouteTable"},
			p.ec2("vpc", "subnet", "internet-gateway", "route-table"), resourceTagged),
		tagOnCreate("ec2:CreateTags", "ec2:CreateAction", p.ec2("vpc", "subnet", "internet-gateway", "route-table"), "CreateVpc", "CreateSubnet", "CreateInternetGateway", "CreateRouteTable"),
	}
}
