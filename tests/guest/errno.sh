# SPDX-License-Identifier: GPL-2.0
# The text strerror() gives each errno memlab's files answer with (busybox prints it on a failed
# write), so a check proves the write(2) itself failed with that errno.
strerror() {
	case $1 in
	EINVAL) echo "Invalid argument" ;;
	ENOENT) echo "No such file or directory" ;;
	EEXIST) echo "File exists" ;;
	EBUSY) echo "Device or resource busy" ;;
	E2BIG) echo "Argument list too long" ;;
	EBADMSG) echo "Bad message" ;;
	ENODEV) echo "No such device" ;;
	EPERM) echo "Operation not permitted" ;;
	ENOSPC) echo "No space left on device" ;;
	EOPNOTSUPP) echo "Operation not supported" ;;
	*) echo "(no text for $1)" ;;
	esac
}
