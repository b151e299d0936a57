-- an erased file's list row keeps no name (lmis_shared.privacy: erasure purges read models)
alter table worker_list alter column full_name drop not null;
