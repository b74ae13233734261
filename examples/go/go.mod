module github.com/libw3wallet/libw3wallet/examples/go

go 1.21

require github.com/libw3wallet/libw3wallet/bindings/go v0.0.0

// Built from this checkout; a program outside the repository drops this
// line and requires a tagged version instead.
replace github.com/libw3wallet/libw3wallet/bindings/go => ../../bindings/go
