// SPDX-License-Identifier: LGPL-2.1-or-later
module gostatic

go 1.19
