package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/audio"
)

// longRecording writes jfk.wav repeated n times as a 16 kHz PCM16 WAV.
func longRecording(tb testing.TB, n int) string {
	tb.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/ggerganov/whisper.cpp/bindings/go").Output()
	if err != nil {
		need(tb, "the whisper.cpp bindings module: %v", err)
	}
	var m struct{ Dir string }
	if err := json.Unmarshal(out, &m); err != nil {
		tb.Fatal(err)
	}
	sig, err := audio.DecodeFile(filepath.Join(m.Dir, "samples", "jfk.wav"), audio.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	pcm := sig.Mono()
	var samples []int16
	for range n {
		for _, v := range pcm {
			samples = append(samples, int16(max(-1, min(1, v))*32767))
		}
	}
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("RIFF")
	binary.Write(&b, le, uint32(36+2*len(samples)))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(16000), uint32(32000), uint16(2), uint16(16)} {
		binary.Write(&b, le, v)
	}
	b.WriteString("data")
	binary.Write(&b, le, uint32(2*len(samples)))
	binary.Write(&b, le, samples)
	path := filepath.Join(tb.TempDir(), "long.wav")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// processCPU returns the CPU seconds (user and system) process pid used.
func processCPU(tb testing.TB, pid int) float64 {
	tb.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	// Fields after the command name, which ends with ')': utime and stime
	// are the 12th and 13th (clock ticks of 1/100 s).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}

// BenchmarkServiceVsCLI compares the wall time of a long recording sent
// synchronously through serve with the transcribe command on the same file
// (model loading included for the command, as a user pays it).
func BenchmarkServiceVsCLI(b *testing.B) {
	model := os.Getenv("OPENCHS_AI_MODEL_PATH")
	if model == "" {
		need(b, "OPENCHS_AI_MODEL_PATH (make test sets it)")
	}
	path := longRecording(b, 30) // 5.5 minutes
	s := start(b, "serve", "--addr=127.0.0.1:0", "--api-keys=none", "--model="+model, "--threads=2")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var engineS, serviceCPU, cliCPU float64
	service := func() time.Duration {
		cpu0 := processCPU(b, s.cmd.Process.Pid)
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("language", "en")
		fw, _ := mw.CreateFormFile("audio", "long.wav")
		fw.Write(data)
		mw.Close()
		start := time.Now()
		resp, err := http.Post(s.url+"/audio/process", mw.FormDataContentType(), &body)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		took := time.Since(start)
		cpu := processCPU(b, s.cmd.Process.Pid) - cpu0
		if serviceCPU == 0 || cpu < serviceCPU {
			serviceCPU = cpu
		}
		var res models.Result
		if resp.StatusCode != 200 || json.Unmarshal(out, &res) != nil || res.Transcript == "" {
			b.Fatalf("service: %d %.300s", resp.StatusCode, out)
		}
		b.Logf("service %v: decode %dms, queued %dms, transcribe %dms, total %dms", took,
			res.Timings.DecodeMS, res.Timings.QueuedMS, res.Timings.TranscribeMS, res.Timings.TotalMS)
		engineS = float64(res.Timings.TranscribeMS) / 1000
		return took
	}
	cli := func() time.Duration {
		start := time.Now()
		cmd := exec.Command(binPath, "transcribe", "--model="+model, "--threads=2", "--language=en", path)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("transcribe: %v %s", err, out)
		}
		took := time.Since(start)
		cpu := (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
		if cliCPU == 0 || cpu < cliCPU {
			cliCPU = cpu
		}
		b.Logf("transcribe command %v, %.1f CPU s", took, cpu)
		return took
	}
	// Alternate the order so that neither side always runs on a warmer (or
	// busier) machine; report medians.
	var ss, cs []time.Duration
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			cs = append(cs, cli())
			ss = append(ss, service())
		} else {
			ss = append(ss, service())
			cs = append(cs, cli())
		}
		i++
	}
	slices.Sort(ss)
	slices.Sort(cs)
	medS, medC := ss[len(ss)/2], cs[len(cs)/2]
	b.ReportMetric(medS.Seconds(), "service-median-s")
	b.ReportMetric(medC.Seconds(), "cli-median-s")
	b.ReportMetric(medS.Seconds()/medC.Seconds(), "service/cli")
	b.ReportMetric(engineS, "service-transcribe-s")
	b.ReportMetric(serviceCPU/cliCPU, "service/cli-cpu")
}
