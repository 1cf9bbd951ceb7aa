module netns-lab/clab-render

go 1.25

require (
	github.com/a8m/envsubst v1.4.3
	gopkg.in/yaml.v2 v2.4.0
)
