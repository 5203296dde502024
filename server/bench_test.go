//go:build cgo

package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/models"
)

// percentile returns the p-th percentile of ds (sorted in place).
func percentile(ds []time.Duration, p float64) time.Duration {
	slices.Sort(ds)
	return ds[min(len(ds)-1, int(float64(len(ds))*p))]
}

// openEvents opens a task's NDJSON event stream.
func (s *stack) openEvents(tb testing.TB, ctx context.Context, id string) *http.Response {
	tb.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url+"/audio/task/"+id+"/events", nil)
	req.Header.Set("X-API-Key", testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	return resp
}

// BenchmarkUploadToStarted measures the time from sending a background
// upload to receiving its started event, with an idle worker.
func BenchmarkUploadToStarted(b *testing.B) {
	s := productStack(b, "redis", stackConfig{})
	audio := toneWAV(2 * time.Second)
	ct, body := form(b, "tone.wav", audio, map[string]string{"background": "true", "language": "en"})
	var lat []time.Duration
	for b.Loop() {
		start := time.Now()
		req, _ := http.NewRequest("POST", s.url+"/audio/process", bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("X-API-Key", testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var h struct {
			TaskID string `json:"task_id"`
		}
		json.NewDecoder(resp.Body).Decode(&h)
		resp.Body.Close()
		ev := s.openEvents(b, context.Background(), h.TaskID)
		dec := json.NewDecoder(ev.Body)
		for {
			var e models.Event
			if err := dec.Decode(&e); err != nil {
				b.Fatal("stream ended early")
			}
			if e.Type == models.EventStarted {
				lat = append(lat, time.Since(start))
			}
			if e.Type.Terminal() {
				break // the worker is idle again
			}
		}
		ev.Body.Close()
	}
	b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
}

// BenchmarkTaskStatus measures GET /audio/task/{id} of a completed task.
func BenchmarkTaskStatus(b *testing.B) {
	s := productStack(b, "redis", stackConfig{})
	code, _, body := s.upload(b, "/audio/process", jfk(b), map[string]string{"language": "en"}, nil)
	var res models.Result
	if code != 200 || json.Unmarshal(body, &res) != nil {
		b.Fatalf("upload: %d %s", code, body)
	}
	url := s.url + "/audio/task/" + res.TaskID
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	client := &http.Client{Transport: tr}
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("X-API-Key", testKey)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkSubscribers200 measures event delivery to 200 NDJSON subscribers
// of one task transcribing a 5.5-minute recording: the time from an event's
// publication (its ts) to its arrival at each subscriber.
func BenchmarkSubscribers200(b *testing.B) {
	s := productStack(b, "redis", stackConfig{})
	long := repeatWAV(b, jfk(b), 30)
	for b.Loop() {
		code, _, body := s.upload(b, "/audio/process", long, map[string]string{"language": "en", "background": "true"}, nil)
		var h struct {
			TaskID string `json:"task_id"`
		}
		if code != 202 || json.Unmarshal(body, &h) != nil {
			b.Fatalf("upload: %d %s", code, body)
		}
		const n = 200
		var mu sync.Mutex
		var lat []time.Duration
		var counts []int
		var wg sync.WaitGroup
		tr := &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: n}
		client := &http.Client{Transport: tr}
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("GET", s.url+"/audio/task/"+h.TaskID+"/events", nil)
				req.Header.Set("X-API-Key", testKey)
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				defer resp.Body.Close()
				attached := time.Now()
				dec := json.NewDecoder(resp.Body)
				var mine []time.Duration
				count := 0
				for {
					var e models.Event
					if dec.Decode(&e) != nil {
						break
					}
					count++
					if e.TS.After(attached) { // live, not replayed history
						mine = append(mine, time.Since(e.TS))
					}
				}
				mu.Lock()
				lat = append(lat, mine...)
				counts = append(counts, count)
				mu.Unlock()
			}()
		}
		wg.Wait()
		tr.CloseIdleConnections()
		slices.Sort(counts)
		if counts[0] != counts[len(counts)-1] {
			b.Errorf("subscribers got between %d and %d events", counts[0], counts[len(counts)-1])
		}
		b.ReportMetric(float64(len(lat)), "live-deliveries")
		b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(counts[0]), "events/subscriber")
	}
}
