/** What each store turned into: the kernel's store types (mas_wr_store_type), and a few events. */
export class WriteStats {
  /** wr_exact_fit */
  exactFit = 0;
  /** wr_slot_store */
  slotStore = 0;
  /** wr_append */
  append = 0;
  /** wr_node_store */
  nodeStore = 0;
  /** wr_split_store */
  split = 0;
  /** wr_rebalance */
  rebalance = 0;
  /** wr_spanning_store (those that end in wr_new_root are counted there) */
  spanning = 0;
  /** wr_new_root: the whole keyspace at once */
  newRoot = 0;
  /** wr_store_root: the tree held no node */
  storeRoot = 0;
  /** The root split and the tree grew a level. */
  rootSplit = 0;
  /** A rebalance or spanning store left the tree lower. */
  rootCollapse = 0;
  /** mas_push_data moved data into a sibling instead of splitting. */
  push = 0;
}
