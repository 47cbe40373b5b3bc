package container

import (
	"crypto/rand"
	"math/big"
)

var (
	adjectives = []string{"agile", "bold", "brave", "bright", "calm", "clever", "crisp", "eager", "fair", "fond",
		"gentle", "happy", "keen", "kind", "lively", "lucid", "merry", "nimble", "noble", "proud",
		"quick", "quiet", "rapid", "sharp", "shiny", "steady", "sunny", "swift", "tidy", "vivid", "warm", "witty"}
	nouns = []string{"albatross", "badger", "beaver", "crane", "dolphin", "falcon", "gannet", "heron", "ibis", "jay",
		"kestrel", "lynx", "marten", "narwhal", "osprey", "otter", "pelican", "puffin", "quail", "raven",
		"seal", "skua", "stork", "swift", "tern", "turtle", "walrus", "whale", "wren", "yak"}
)

// RandomName is a Docker-style name such as "swift_otter".
func RandomName() string {
	return pick(adjectives) + "_" + pick(nouns)
}

func pick(words []string) string {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(words))))
	if err != nil {
		return words[0]
	}
	return words[n.Int64()]
}
