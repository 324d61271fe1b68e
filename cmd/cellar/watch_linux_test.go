package main

import "syscall"

const syscallENOSPC = syscall.ENOSPC
