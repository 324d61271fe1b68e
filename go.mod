module github.com/cellar-go/cellar

go 1.26

require pgregory.net/rapid v1.3.0
