package compute

import (
	"context"
	"fmt"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"geusemaker/internal/document"
)

// CPU architectures as the AMI parameters name them.
const (
	archX86 = "x86_64"
	archARM = "arm64"
)

// gravitonRe matches instance types with AWS Graviton (arm64) processors:
// a "g" among the letters after the generation digit, as in t4g, c7gn,
// m6gd, g5g, im4gn, is4gen. Intel and AMD types have none there (m7i,
// m7i-flex, c6in, g4dn, p6-b200).
var gravitonRe = regexp.MustCompile(`^[a-z]+[0-9]+[a-z]*g[a-z]*\.`)

// architecture returns the CPU architecture of an instance type.
func architecture(instanceType string) string {
	if gravitonRe.MatchString(instanceType) {
		return archARM
	}
	return archX86
}

// amiParameter returns the SSM public parameter holding the latest AMI for
// an OS, an instance type's architecture, and whether it needs the GPU
// driver (the Deep Learning Base OSS Nvidia Driver GPU AMI).
func amiParameter(os document.OSType, instanceType string) string {
	arch := architecture(instanceType)
	if document.IsGPUInstanceType(instanceType) {
		// /aws/service/deeplearning/ami/<arch>/<ami-type>/latest/ami-id
		// (DLAMI developer guide, "Finding the ID of a DLAMI").
		return fmt.Sprintf("/aws/service/deeplearning/ami/%s/base-oss-nvidia-driver-gpu-%s/latest/ami-id", arch, os)
	}
	switch os {
	case document.OSUbuntu2204:
		return ubuntuParameter("22.04", "ebs-gp2", arch)
	case document.OSUbuntu2404:
		return ubuntuParameter("24.04", "ebs-gp3", arch)
	default:
		return "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-" + arch
	}
}

// ubuntuParameter is Canonical's parameter; it calls x86_64 "amd64".
func ubuntuParameter(release, volume, arch string) string {
	if arch == archX86 {
		arch = "amd64"
	}
	return fmt.Sprintf("/aws/service/canonical/ubuntu/server/%s/stable/current/%s/hvm/%s/ami-id", release, arch, volume)
}

// amiResolver resolves AMIs through SSM and their root devices through
// EC2, once each per launch.
type amiResolver struct {
	ssm      ssmAPI
	ec2      ec2API
	override string
	os       document.OSType
	amis     map[string]string // parameter name → AMI id
	roots    map[string]string // AMI id → root device name
}

// resolve returns the AMI for an instance type: the request's ami_id when
// given, else the public parameter's value.
func (r *amiResolver) resolve(ctx context.Context, instanceType string) (string, error) {
	if r.override != "" {
		return r.override, nil
	}
	name := amiParameter(r.os, instanceType)
	if ami, ok := r.amis[name]; ok {
		return ami, nil
	}
	out, err := r.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
	if err != nil {
		return "", fmt.Errorf("get AMI parameter %s: %w", name, err)
	}
	ami := aws.ToString(out.Parameter.Value)
	r.amis[name] = ami
	return ami, nil
}

// rootDevice returns the AMI's root device name: the block device mapping
// must name it to resize the root volume (Amazon Linux uses /dev/xvda,
// Canonical's Ubuntu /dev/sda1); any other name adds a second volume.
func (r *amiResolver) rootDevice(ctx context.Context, ami string) (string, error) {
	if dev, ok := r.roots[ami]; ok {
		return dev, nil
	}
	out, err := r.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{ami}})
	if err != nil {
		return "", fmt.Errorf("describe image %s: %w", ami, err)
	}
	if len(out.Images) == 0 {
		return "", fmt.Errorf("describe image %s: not found or not shared with this account", ami)
	}
	dev := aws.ToString(out.Images[0].RootDeviceName)
	r.roots[ami] = dev
	return dev, nil
}
