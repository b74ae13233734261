module github.com/libw3wallet/libw3wallet/bindings/go

go 1.21
