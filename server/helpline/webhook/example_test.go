package webhook_test

import (
	"fmt"
	"time"

	"github.com/openchs/openchs-ai/server/helpline/webhook"
)

// The OpenCHS-Signature header of a delivery, and its check by a receiver.
func ExampleSign() {
	body := []byte(`{"id":"evt_5f1c","type":"risk.critical","created_at":"2026-11-28T10:00:00Z","data":{"task_id":"t1"}}`)
	sent := time.Unix(1764324000, 0)
	header := webhook.Sign("whsec_example", sent, body)
	fmt.Println(header)
	fmt.Println(webhook.Verify("whsec_example", header, body, 5*time.Minute, sent.Add(time.Second)))
	// Output:
	// t=1764324000,v1=64d06ce42827a2b3bacb117a9fc091db29a65ebac8abbb0676cf4cef41dacb1f
	// <nil>
}
