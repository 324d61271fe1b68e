module github.com/cellar-go/cellar

go 1.26

require pgregory.net/rapid v1.3.0

require (
	github.com/fsnotify/fsnotify v1.10.1
	golang.org/x/sys v0.13.0 // indirect
)
