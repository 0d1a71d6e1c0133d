// Command aslgen regenerates the committed ASL of every GeuseMaker workflow
// (statemachine/definition/*.asl.json) from the CDK builders:
//
//	go run ./cmd/aslgen [-dir statemachine/definition]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/aws/jsii-runtime-go"

	"geusemaker/statemachine"
)

func main() {
	dir := flag.String("dir", "statemachine/definition", "directory of the committed *.asl.json")
	flag.Parse()
	err := statemachine.WriteASL(*dir)
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "aslgen:", err)
		os.Exit(1)
	}
}
