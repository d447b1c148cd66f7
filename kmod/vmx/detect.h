/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _THINVMX_VMX_DETECT_H
#define _THINVMX_VMX_DETECT_H

#include "../../uapi/thinvmx.h"

int vmx_detect(struct thinvmx_caps *caps);

#endif /* _THINVMX_VMX_DETECT_H */
