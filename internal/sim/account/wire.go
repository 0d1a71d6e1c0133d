package account

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

type wireKey struct{}

// wireError is an error response as AWS sends it, rendered in the service's
// protocol so the SDK's deserializer reads it exactly as it reads AWS's.
type wireError struct {
	status    int
	code      string
	message   string
	requestID string
	// lost: the call was applied and this error stands for its lost reply.
	lost bool
}

// protocols maps SDK service ids to their wire protocol; the rest speak
// AWS JSON 1.0/1.1, whose error shape is the same.
var protocols = map[string]string{
	"EC2":                       "ec2query",
	"IAM":                       "query",
	"Elastic Load Balancing v2": "query",
	"CloudFormation":            "query",
	"STS":                       "query",
	"CloudFront":                "restxml",
	"Route 53":                  "restxml",
	"EFS":                       "restjson",
	"Lambda":                    "restjson",
}

func (e *wireError) response(serviceID string) *smithyhttp.Response {
	h := http.Header{}
	h.Set("X-Amzn-Requestid", e.requestID)
	var body []byte
	esc := func(s string) string {
		var b bytes.Buffer
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	switch protocols[serviceID] {
	case "ec2query":
		h.Set("Content-Type", "text/xml;charset=UTF-8")
		body = fmt.Appendf(nil, "<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>",
			esc(e.code), esc(e.message), esc(e.requestID))
	case "query", "restxml":
		h.Set("Content-Type", "text/xml")
		body = fmt.Appendf(nil, "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>",
			esc(e.code), esc(e.message), esc(e.requestID))
	case "restjson":
		h.Set("Content-Type", "application/json")
		h.Set("X-Amzn-Errortype", e.code)
		body, _ = json.Marshal(map[string]string{"ErrorCode": e.code, "Message": e.message, "message": e.message})
	default:
		h.Set("Content-Type", "application/x-amz-json-1.1")
		h.Set("X-Amzn-Errortype", e.code)
		body, _ = json.Marshal(map[string]string{"__type": e.code, "message": e.message})
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &smithyhttp.Response{Response: &http.Response{
		StatusCode:    e.status,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
	}}
}
