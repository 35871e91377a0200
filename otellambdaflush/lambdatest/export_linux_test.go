package lambdatest

import (
	"os"
	"strconv"
)

// ProcState returns the state letter of /proc/<pid>/stat ('R', 'S', 'T',
// 'Z', ...), parsed as the emulator parses it.
func ProcState(pid int) (byte, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return procState(data), nil
}
