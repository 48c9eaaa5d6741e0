/* Host only: plat_blk_* over an open file (storectl, tests). */
#ifndef STORE_HOST_BLK_H
#define STORE_HOST_BLK_H

int host_blk_open(int fd);

#endif
