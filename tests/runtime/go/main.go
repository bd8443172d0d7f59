// A Go bootstrap built on AWS's own runtime client (aws-lambda-go), with
// the same functions as tests/runtime/handlers.c: the peer that checks
// spartac's Runtime API emulator, and the baseline of bench/runtime.sh.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type oops struct{ why string }

func (e oops) Error() string { return "it failed: " + e.why }

func hello(ctx context.Context, ev json.RawMessage) (map[string]string, error) {
	return map[string]string{"greeting": "hello, world"}, nil
}

func fail(ctx context.Context, ev struct{ Why string `json:"why"` }) (struct{}, error) {
	why := ev.Why
	if why == "" {
		why = "no reason"
	}
	return struct{}{}, oops{why}
}

func sleep(ctx context.Context, ev struct{ Ms float64 `json:"ms"` }) (map[string]float64, error) {
	time.Sleep(time.Duration(ev.Ms) * time.Millisecond)
	return map[string]float64{"slept": ev.Ms}, nil
}

func big(ctx context.Context, ev struct{ Size int `json:"size"` }) (json.RawMessage, error) {
	return json.RawMessage("\"" + strings.Repeat("x", ev.Size-2) + "\""), nil
}

func main() {
	switch os.Getenv("_HANDLER") {
	case "hello":
		lambda.Start(hello)
	case "fail":
		lambda.Start(fail)
	case "sleep":
		lambda.Start(sleep)
	case "big":
		lambda.Start(big)
	default:
		fmt.Fprintf(os.Stderr, "no handler %q\n", os.Getenv("_HANDLER"))
		os.Exit(1)
	}
}
