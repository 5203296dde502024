// whisper-c-bench: times whisper.cpp's C API on raw 16 kHz float32 PCM, as
// the reference that the Go engine's benchmark is compared with.
//
// usage: whisper-c-bench MODEL PCM_F32LE THREADS LANGUAGE RUNS [BACKEND_DIR]
// prints one line per run: "seconds <t> segments <n>"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <whisper.h>
#include <ggml.h>
#include <ggml-backend.h>

static void quiet(enum ggml_log_level l, const char *t, void *u) {}

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
	if (argc < 6) {
		fprintf(stderr, "usage: %s MODEL PCM_F32LE THREADS LANGUAGE RUNS [BACKEND_DIR]\n", argv[0]);
		return 2;
	}
	whisper_log_set(quiet, NULL);
	ggml_log_set(quiet, NULL);
	if (argc > 6 && argv[6][0]) ggml_backend_load_all_from_path(argv[6]); else ggml_backend_load_all();

	FILE *f = fopen(argv[2], "rb");
	if (!f) { perror(argv[2]); return 1; }
	fseek(f, 0, SEEK_END);
	long n = ftell(f) / sizeof(float);
	fseek(f, 0, SEEK_SET);
	float *pcm = malloc(n * sizeof(float));
	if (fread(pcm, sizeof(float), n, f) != (size_t)n) { perror("read pcm"); return 1; }
	fclose(f);

	struct whisper_context *ctx = whisper_init_from_file_with_params(argv[1], whisper_context_default_params());
	if (!ctx) { fprintf(stderr, "cannot load %s\n", argv[1]); return 1; }
	int runs = atoi(argv[5]);
	for (int i = 0; i < runs; i++) {
		struct whisper_full_params p = whisper_full_default_params(WHISPER_SAMPLING_GREEDY);
		p.n_threads = atoi(argv[3]);
		p.language = argv[4];
		p.print_progress = false;
		p.print_realtime = false;
		p.print_timestamps = false;
		double t0 = now();
		if (whisper_full(ctx, p, pcm, n) != 0) { fprintf(stderr, "whisper_full failed\n"); return 1; }
		printf("seconds %.4f segments %d\n", now() - t0, whisper_full_n_segments(ctx));
		fflush(stdout);
	}
	whisper_free(ctx);
	free(pcm);
	return 0;
}
