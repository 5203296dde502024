# Recordings the benchmarks share, cached under the directory they are given.
# Source it after lib.sh; do not run it.

# bench_jfk prints the path of whisper.cpp's jfk.wav sample (11 s of real
# speech), from the Go bindings' module.
bench_jfk() {
	echo "$(go mod download -json github.com/ggerganov/whisper.cpp/bindings/go | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')/samples/jfk.wav"
}

# bench_long_wav DIR prints the path of the long recording: sentences
# spoken by espeak-ng, each followed by a pause of 1-3 s, then jfk.wav,
# repeated to at least five minutes. It is made once.
bench_long_wav() {
	local work=$1 long=$1/long.wav jfk tmp i line reps files
	jfk=$(bench_jfk)
	if [ ! -f "$long" ]; then
		log "synthesising the long recording"
		tmp=$(mktemp -d)
		i=0
		while IFS= read -r line; do
			[ -n "$line" ] || continue
			i=$((i + 1))
			espeak-ng -v en-us -s 160 -w "$tmp/s$i.raw.wav" "$line"
			sox "$tmp/s$i.raw.wav" -r 16000 -c 1 -b 16 "$tmp/s$i.wav" pad 0 $((i % 3 + 1))
		done <<-'TEXT'
	Hello, you have reached the child helpline. My name is Grace, how can I help you today?
	I am calling about my neighbour's daughter. She is twelve years old and she has not been to school for three weeks.
	Every evening I hear shouting from their house, and yesterday I saw bruises on her arms.
	Thank you for telling us. Can you give me the name of the area where the family lives?
	They live near the market, behind the church, in the blue house with the metal gate.
	Is the child safe right now, or is she in danger tonight?
	I think she is alone at home now. Her mother works late and the uncle stays with them.
	We will send a social worker to the family tomorrow morning, and we will inform the local children's officer.
	Please call us again if anything changes, at any time of the day or night. The call is free.
	TEXT
		sox $(ls "$tmp"/s[0-9]*.wav | sort -V | grep -v raw) "$jfk" "$tmp/round.wav"
		reps=$(awk -v d="$(soxi -D "$tmp/round.wav")" 'BEGIN { print int(300 / d) + 1 }')
		files=()
		for _ in $(seq "$reps"); do files+=("$tmp/round.wav"); done
		sox "${files[@]}" "$long.tmp.wav" && mv "$long.tmp.wav" "$long"
		rm -rf "$tmp"
	fi
	echo "$long"
}
