// Command storage is the storage step's Lambda: the deployment's EFS file
// system and mount targets (see internal/steps/storage).
package main

import (
	"geusemaker/internal/contract"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/storage"
)

func main() { lambdaio.Start(contract.Storage, lambdaio.Step(storage.New)) }
