-- an erased file's row keeps no name (lmis_shared.privacy: erasure purges read models)
alter table foreign_workers alter column full_name drop not null;
