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

// validate checks the flags, as the task options are checked.
func (c *channelFlags) validate() error {
	o := models.TaskOptions{Channels: c.mode, AgentChannel: c.agent}
	if c.mode == "" || c.agent == "" {
		return usageError{"--channels and --agent-channel must not be empty"}
	}
	if err := o.Validate(); err != nil {
		return usageError{fmt.Sprintf("--channels %q --agent-channel %q: use mix or split, and left or right", c.mode, c.agent)}
	}
	return nil
}

// agentIndex is the agent's channel: 0 left, 1 right.
func (c *channelFlags) agentIndex() int {
	i, _ := models.ChannelIndex(c.agent)
	return i
}
