package efs

import (
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs/types"

	"geusemaker/internal/sim/account"
)

// EFS answers with the SDK's modeled error types; each carries its code in
// ErrorCode_ as the JSON body does, and the HTTP status of the API reference.

func badRequest(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return account.WithStatus(http.StatusBadRequest, &types.BadRequest{Message: &msg, ErrorCode_: aws.String("BadRequest")})
}

func fileSystemAlreadyExists(id, token string) error {
	msg := fmt.Sprintf("File system '%s' already exists with creation token '%s'", id, token)
	return account.WithStatus(http.StatusConflict, &types.FileSystemAlreadyExists{
		Message: &msg, ErrorCode_: aws.String("FileSystemAlreadyExists"), FileSystemId: aws.String(id),
	})
}

func fileSystemNotFound(id string) error {
	msg := fmt.Sprintf("File system '%s' does not exist.", id)
	return account.WithStatus(http.StatusNotFound, &types.FileSystemNotFound{Message: &msg, ErrorCode_: aws.String("FileSystemNotFound")})
}

func fileSystemInUse(id string) error {
	msg := fmt.Sprintf("File system '%s' has mount targets created in it. Delete the mount targets first.", id)
	return account.WithStatus(http.StatusConflict, &types.FileSystemInUse{Message: &msg, ErrorCode_: aws.String("FileSystemInUse")})
}

func incorrectFileSystemLifeCycleState(id string, state types.LifeCycleState) error {
	msg := fmt.Sprintf("File system '%s' is in life cycle state '%s'; the operation needs 'available'.", id, state)
	return account.WithStatus(http.StatusConflict, &types.IncorrectFileSystemLifeCycleState{Message: &msg, ErrorCode_: aws.String("IncorrectFileSystemLifeCycleState")})
}

func mountTargetNotFound(id string) error {
	msg := fmt.Sprintf("Mount target '%s' does not exist.", id)
	return account.WithStatus(http.StatusNotFound, &types.MountTargetNotFound{Message: &msg, ErrorCode_: aws.String("MountTargetNotFound")})
}

func mountTargetConflict(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return account.WithStatus(http.StatusConflict, &types.MountTargetConflict{Message: &msg, ErrorCode_: aws.String("MountTargetConflict")})
}

func subnetNotFound(id string) error {
	msg := fmt.Sprintf("The subnet ID '%s' does not exist", id)
	return account.WithStatus(http.StatusBadRequest, &types.SubnetNotFound{Message: &msg, ErrorCode_: aws.String("SubnetNotFound")})
}

func securityGroupNotFound(id, vpcID string) error {
	msg := fmt.Sprintf("The security group '%s' does not exist in VPC '%s'", id, vpcID)
	return account.WithStatus(http.StatusBadRequest, &types.SecurityGroupNotFound{Message: &msg, ErrorCode_: aws.String("SecurityGroupNotFound")})
}

func securityGroupLimitExceeded(n int) error {
	msg := fmt.Sprintf("%d security groups given; a mount target takes at most %d", n, maxSecurityGroups)
	return account.WithStatus(http.StatusBadRequest, &types.SecurityGroupLimitExceeded{Message: &msg, ErrorCode_: aws.String("SecurityGroupLimitExceeded")})
}

func availabilityZonesMismatch(fsAZ, subnetAZ string) error {
	msg := fmt.Sprintf("One Zone file system is in %s; the subnet is in %s", fsAZ, subnetAZ)
	return account.WithStatus(http.StatusBadRequest, &types.AvailabilityZonesMismatch{Message: &msg, ErrorCode_: aws.String("AvailabilityZonesMismatch")})
}

func accessPointNotFound(id string) error {
	msg := fmt.Sprintf("Access point '%s' does not exist.", id)
	return account.WithStatus(http.StatusNotFound, &types.AccessPointNotFound{Message: &msg, ErrorCode_: aws.String("AccessPointNotFound")})
}

func fileSystemLimitExceeded() error {
	msg := "You have reached the maximum number of file systems allowed for your account."
	return account.WithStatus(http.StatusForbidden, &types.FileSystemLimitExceeded{Message: &msg, ErrorCode_: aws.String("FileSystemLimitExceeded")})
}
