export const dbHost = "192.168.10.20";
export const dbPort = 5432;
