// Hand-written go.mod exercising every directive form the go-mod analyzer handles.
module example.com/shop/orders

go 1.22

toolchain go1.22.3

require github.com/google/uuid v1.6.0

require (
	github.com/sirupsen/logrus v1.9.3
	gopkg.in/yaml.v3 v3.0.1
	golang.org/x/net v0.17.0
	golang.org/x/text v0.14.0
	example.com/internal/lib v0.0.0
	this line is not a requirement
)

require (
	golang.org/x/sys v0.18.0 // indirect
)

replace gopkg.in/yaml.v3 => github.com/fork/yaml v3.1.0

replace (
	golang.org/x/net v0.17.0 => golang.org/x/net v0.23.0
	golang.org/x/text v0.13.0 => golang.org/x/text v0.99.0
	example.com/internal/lib => ../lib
)

exclude golang.org/x/crypto v0.1.0

retract v1.0.0 // published by mistake
