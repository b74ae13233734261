/*
 * libw3wallet — embeddable backend of a Web3 wallet marketplace.
 * Include this one header; see include/w3wallet/ *.h for each module and
 * include/w3wallet/sys/ *.h for writing your own backends.
 */
#ifndef W3WALLET_H
#define W3WALLET_H

#include "w3wallet/common.h"
#include "w3wallet/amount.h"
#include "w3wallet/id.h"
#include "w3wallet/context.h"
#include "w3wallet/trace.h"
#include "w3wallet/list.h"
#include "w3wallet/ledger.h"
#include "w3wallet/supply.h"
#include "w3wallet/order.h"
#include "w3wallet/claim.h"
#include "w3wallet/batch.h"
#include "w3wallet/events.h"
#include "w3wallet/audit.h"
#include "w3wallet/json.h"
#include "w3wallet/auth.h"
#include "w3wallet/stats.h"
#include "w3wallet/wallet.h"
#include "w3wallet/limits.h"

#endif
