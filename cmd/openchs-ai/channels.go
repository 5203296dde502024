package main

import (
	"flag"
	"fmt"

	"github.com/openchs/openchs-ai/models"
)

// channelFlags choose how the channels of a stereo call are read: mixed
// into one voice, or split into the agent's and the caller's.
type channelFlags struct {
	mode, agent string
}

// register adds --channels and --agent-channel, their defaults taken from
// getenv when it is set (transcribe; the services set theirs through
// envFlags).
func (c *channelFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	fs.StringVar(&c.mode, "channels", or(getenv("OPENCHS_AI_CHANNELS"), models.ChannelsMix),
		"stereo calls: mix (one voice) or split (each channel transcribed as its own speaker, agent and caller) (env OPENCHS_AI_CHANNELS)")
	fs.StringVar(&c.agent, "agent-channel", or(getenv("OPENCHS_AI_AGENT_CHANNEL"), models.ChannelLeft),
		"with --channels split, the channel the helpline's agent is on: left or right; the other is the caller (env OPENCHS_AI_AGENT_CHANNEL)")
}

// validate checks the flags.
func (c *channelFlags) validate() error {
	if c.mode != models.ChannelsMix && c.mode != models.ChannelsSplit {
		return usageError{fmt.Sprintf("--channels %q: use mix or split", c.mode)}
	}
	if _, ok := models.ChannelIndex(c.agent); !ok {
		return usageError{fmt.Sprintf("--agent-channel %q: use left or right", c.agent)}
	}
	return nil
}

// agentIndex is the agent's channel: 0 left, 1 right.
func (c *channelFlags) agentIndex() int {
	i, _ := models.ChannelIndex(c.agent)
	return i
}
